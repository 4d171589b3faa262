"""Backs the fork server's warmed heap with transparent huge pages before it starts forking.

A fork copies one page-table entry per 4 KiB page the parent has, and a child's exit drops
each of them again: for a warm fork server (numpy and sympy loaded, ~70 MiB) a large part of
a trivial run's CPU. Collapsed into 2 MiB pages, the same memory costs one entry per 2 MiB on
both sides. A child that writes to such a page (a refcount, say) still copies only its 4 KiB
(the kernel splits the mapping in the child since Linux 5.8), so children do not grow. The
fork server's own later writes split most of its 2 MiB mappings too, but the memory stays in
large folios, which fork and exit handle in batches (Linux 6.9+).

MADV_COLLAPSE (Linux 6.1) works whatever the system-wide THP mode is, and leaves the regions
unmarked, so later page faults in them keep using small pages. On an older kernel, or one
built without THP, nothing changes and the reason is reported.
"""
import ctypes
import os

MADV_COLLAPSE = 25
HUGE = 1 << 21

_libc = ctypes.CDLL(None, use_errno=True)
_libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
_libc.madvise.restype = ctypes.c_int


def _private_heap_ranges():
    """The 2 MiB-aligned parts of the anonymous writable mappings (Python's arenas, malloc's
    heap, numpy's buffers): the memory a fork duplicates entries for."""
    with open('/proc/self/maps') as maps:
        for line in maps:
            fields = line.split()
            perms = fields[1]
            name = fields[5] if len(fields) > 5 else ''
            if not perms.startswith('rw') or perms[3] != 'p' or name not in ('', '[heap]'):
                continue
            low, high = (int(part, 16) for part in fields[0].split('-'))
            start = (low + HUGE - 1) & ~(HUGE - 1)
            end = high & ~(HUGE - 1)
            if end > start:
                yield start, end


def collapse_heap():
    """Returns (collapsed KiB, reason or None). Best effort: a range the kernel cannot collapse
    (no free huge page, say) stays as it was."""
    collapsed = 0
    failure = None
    for start, end in _private_heap_ranges():
        if _libc.madvise(start, end - start, MADV_COLLAPSE) == 0:
            collapsed += (end - start) // 1024
        else:
            failure = os.strerror(ctypes.get_errno())
    if collapsed == 0:
        return 0, failure or 'no 2 MiB-aligned anonymous memory to collapse'
    return collapsed, None
