#!/usr/bin/env bash
# A real single-node Slurm cluster on localhost for the launcher's tests (Debian slurm-wlm + munge).
# Idempotent: installs the packages when missing, writes the config, starts munged, slurmctld and
# slurmd when they are not running, and waits until the node is idle.
#   infra/local/slurm.sh start | stop | status
# Needs root. State lives in ${SLURM_LOCAL_DIR:-/var/tmp/rft-slurm}.
set -euo pipefail

STATE_DIR="${SLURM_LOCAL_DIR:-/var/tmp/rft-slurm}"
CONF=/etc/slurm/slurm.conf
HOST="$(hostname -s)"

log() { printf 'slurm.sh: %s\n' "$*" >&2; }

install_packages() {
  if command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v munged >/dev/null; then return; fi
  log "installing slurm-wlm and munge"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq slurm-wlm munge >/dev/null
}

start_munge() {
  mkdir -p /etc/munge /var/lib/munge /var/log/munge /run/munge
  if [ ! -s /etc/munge/munge.key ]; then
    log "creating munge key"
    if command -v mungekey >/dev/null; then mungekey -c -f -k /etc/munge/munge.key; else dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null; fi
  fi
  chown -R munge:munge /etc/munge /var/lib/munge /var/log/munge /run/munge
  chmod 0700 /etc/munge /var/lib/munge /var/log/munge
  chmod 0755 /run/munge
  chmod 0400 /etc/munge/munge.key
  if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then return; fi
  log "starting munged"
  su -s /bin/sh munge -c '/usr/sbin/munged --force' || runuser -u munge -- /usr/sbin/munged --force
  for _ in $(seq 1 50); do
    if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then return; fi
    sleep 0.2
  done
  log "munged did not come up"; exit 1
}

write_config() {
  local cpus mem
  cpus="$(nproc)"
  # Leave headroom: slurmd refuses to register a node that advertises more memory than it has.
  mem="$(awk '/MemTotal/ {printf "%d", $2 / 1024 * 0.9}' /proc/meminfo)"
  mkdir -p /etc/slurm "$STATE_DIR"/{spool,state,log,run}
  local wanted
  wanted="$(cat <<EOF
# Written by infra/local/slurm.sh: single-node test cluster on ${HOST}.
ClusterName=rft-local
SlurmctldHost=${HOST}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CryptoType=crypto/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
ReturnToService=2
MinJobAge=600
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=${STATE_DIR}/state
SlurmdSpoolDir=${STATE_DIR}/spool
SlurmctldPidFile=${STATE_DIR}/run/slurmctld.pid
SlurmdPidFile=${STATE_DIR}/run/slurmd.pid
SlurmctldLogFile=${STATE_DIR}/log/slurmctld.log
SlurmdLogFile=${STATE_DIR}/log/slurmd.log
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
NodeName=${HOST} CPUs=${cpus} RealMemory=${mem} State=UNKNOWN
PartitionName=debug Nodes=${HOST} Default=YES MaxTime=INFINITE State=UP
EOF
)"
  if [ ! -f "$CONF" ] || [ "$(cat "$CONF")" != "$wanted" ]; then
    log "writing $CONF"
    printf '%s\n' "$wanted" > "$CONF"
    # A changed config needs the daemons restarted.
    stop_daemons
  fi
}

running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

stop_daemons() {
  for name in slurmd slurmctld; do
    local pidfile="$STATE_DIR/run/$name.pid"
    if running "$pidfile"; then
      kill "$(cat "$pidfile")" || true
      for _ in $(seq 1 50); do running "$pidfile" || break; sleep 0.2; done
    fi
  done
}

start_daemons() {
  if ! running "$STATE_DIR/run/slurmctld.pid"; then
    log "starting slurmctld"
    /usr/sbin/slurmctld
  fi
  for _ in $(seq 1 50); do scontrol ping 2>/dev/null | grep -q UP && break; sleep 0.2; done
  if ! running "$STATE_DIR/run/slurmd.pid"; then
    log "starting slurmd"
    /usr/sbin/slurmd
  fi
  for _ in $(seq 1 150); do
    state="$(sinfo -h -n "$HOST" -o %t 2>/dev/null || true)"
    case "$state" in
      idle|mix|alloc) return ;;
      down*|drain*) scontrol update NodeName="$HOST" State=RESUME >/dev/null 2>&1 || true ;;
    esac
    sleep 0.2
  done
  log "node ${HOST} is not idle (state: ${state:-unknown}); see $STATE_DIR/log"; exit 1
}

case "${1:-start}" in
  start)
    install_packages
    start_munge
    write_config
    start_daemons
    sinfo -h -o '%P %a %D %t %N'
    ;;
  stop) stop_daemons ;;
  status) sinfo -h -o '%P %a %D %t %N' ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
