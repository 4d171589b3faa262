import type { Command } from 'commander';

/** Completion scripts generated from the commander tree, so they list exactly the commands and options that exist. */

interface Node {
  /** Words from the program to this command, e.g. ['datasets', 'pull']. */
  path: string[];
  subcommands: string[];
  options: string[];
}

function walk(cmd: Command, path: string[] = []): Node[] {
  const subs = cmd.commands.filter((c) => c.name() !== 'help');
  const options = [...cmd.options.flatMap((o) => [o.long, o.short]).filter((f): f is string => Boolean(f)), '--help'];
  const here: Node = { path, subcommands: subs.map((c) => c.name()), options };
  return [here, ...subs.flatMap((c) => walk(c, [...path, c.name()]))];
}

function bash(nodes: Node[]): string {
  // Longest paths first: a leaf's pattern ends in `*` (its own arguments follow), so it must be tried
  // before its parent's exact pattern.
  const ordered = [...nodes].sort((a, b) => b.path.length - a.path.length);
  const cases = ordered.map((n) => {
    const pattern = n.path.length === 0 ? '""' : `"${n.path.map((p) => ` ${p}`).join('')}"${n.subcommands.length ? '' : '*'}`;
    return `    ${pattern}) words="${[...n.subcommands, ...n.options].join(' ')}" ;;`;
  });
  return `# rft completion for bash; add to ~/.bashrc: eval "$(rft completion bash)"
_rft_complete() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path="" words="" i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in -*) ;; *) path="$path \${COMP_WORDS[i]}" ;; esac
  done
  case "$path" in
${cases.join('\n')}
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F _rft_complete rft`;
}

function fish(nodes: Node[]): string {
  const lines = ['# rft completion for fish; save as ~/.config/fish/completions/rft.fish', 'complete -c rft -f'];
  for (const n of nodes) {
    const seen = n.path.length === 0 ? '__fish_use_subcommand' : `__fish_seen_subcommand_from ${n.path.at(-1)}`;
    for (const sub of n.subcommands) lines.push(`complete -c rft -n '${seen}' -a ${sub}`);
    if (n.path.length > 0 && n.subcommands.length === 0)
      for (const option of n.options.filter((o) => o.startsWith('--'))) lines.push(`complete -c rft -n '${seen}' -l ${option.slice(2)}`);
  }
  return lines.join('\n');
}

export function completionScript(program: Command, shell: 'bash' | 'zsh' | 'fish'): string {
  const nodes = walk(program);
  switch (shell) {
    case 'bash':
      return bash(nodes);
    case 'zsh':
      return `# rft completion for zsh; add to ~/.zshrc: eval "$(rft completion zsh)"\nautoload -U +X bashcompinit && bashcompinit\n${bash(nodes)}`;
    case 'fish':
      return fish(nodes);
  }
}
