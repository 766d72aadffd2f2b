import { Argument, type Command } from 'commander';

const SHELLS = ['bash', 'zsh', 'fish'] as const;
type Shell = (typeof SHELLS)[number];

const HELP_EXAMPLES = `
Examples:
  $ agentctl completion bash > ~/.local/share/bash-completion/completions/agentctl
  $ echo 'eval "$(agentctl completion bash)"' >> ~/.bashrc
  $ agentctl completion zsh > "\${fpath[1]}/_agentctl"     # then start a new shell
  $ agentctl completion fish > ~/.config/fish/completions/agentctl.fish

Completes commands, subcommands, flags, flag values with a fixed set
(-o/--output), and agent ids: those defined under agents/ in the current
directory, read when you press Tab. Write the script again after an upgrade.
No -o/--output here: the output is the script itself.`;

/** What a positional argument completes to. */
type ArgumentKind = { kind: 'agents' } | { kind: 'files' } | { kind: 'choices'; choices: readonly string[] } | { kind: 'none' };

interface OptionSpec {
  /** `-o`, `--output`. */
  flags: string[];
  takesValue: boolean;
  /** Old spellings kept working (validate --format): never offered, but their values are completed and skipped like any other. */
  hidden: boolean;
  choices: readonly string[];
  description: string;
}

interface CommandSpec {
  /** Subcommand names from the top, space-separated; '' for agentctl itself. */
  path: string;
  subcommands: Array<{ name: string; description: string }>;
  options: OptionSpec[];
  /** One per positional argument; the last repeats when it is variadic. */
  arguments: ArgumentKind[];
  variadic: boolean;
}

/**
 * Argument names say what they complete to: an existing agent's id
 * (`agent_id`, `agent_ids`), files (`paths`), or a fixed set of choices.
 */
function argumentKind(argument: Argument, siblings: readonly string[]): ArgumentKind {
  if (argument.argChoices !== undefined) return { kind: 'choices', choices: argument.argChoices };
  const name = argument.name();
  if (/^agent_ids?$/.test(name)) return { kind: 'agents' };
  if (/^paths?$/.test(name)) return { kind: 'files' };
  // `help [command]`, which commander adds to commands with subcommands.
  if (name === 'command') return { kind: 'choices', choices: siblings };
  return { kind: 'none' };
}

/** The command tree as commander holds it (what help lists: hidden commands left out, hidden options marked). `siblings`: the names beside `command`. */
function describeTree(command: Command, path: string[] = [], siblings: readonly string[] = []): CommandSpec[] {
  const help = command.createHelp();
  const subcommands = help.visibleCommands(command);
  const names = subcommands.map((subcommand) => subcommand.name()).filter((name) => name !== 'help');
  const spec: CommandSpec = {
    path: path.join(' '),
    subcommands: subcommands.map((subcommand) => ({ name: subcommand.name(), description: subcommand.summary() || subcommand.description() })),
    options: [...help.visibleOptions(command), ...command.options.filter((option) => option.hidden)].map((option) => ({
      flags: [option.short, option.long].filter((flag): flag is string => flag !== undefined),
      takesValue: option.required || option.optional,
      hidden: option.hidden,
      choices: option.argChoices ?? [],
      description: option.description,
    })),
    arguments: command.registeredArguments.map((argument) => argumentKind(argument, siblings)),
    variadic: command.registeredArguments.at(-1)?.variadic === true,
  };
  return [spec, ...subcommands.flatMap((subcommand) => describeTree(subcommand, [...path, subcommand.name()], names))];
}

/** A word for sh, bash, zsh and fish alike: single-quoted, a quote written as '\''. (fish reads \' inside quotes, so it gets its own.) */
function shQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

function fishQuote(text: string): string {
  return `'${text.replace(/[\\']/g, (character) => `\\${character}`)}'`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** `case` arms shared by the bash and zsh scripts: the data the completion function reads, keyed by command path. */
function caseFunctions(specs: readonly CommandSpec[], options: { described: boolean }): string {
  const arm = (pattern: string, body: string): string => `    ${pattern}) ${body} ;;`;
  const list = (items: readonly string[]): string => (options.described ? `reply=(${items.map(shQuote).join(' ')})` : `echo ${shQuote(items.join(' '))}`);
  const described = (name: string, description: string): string => (options.described ? `${name.replace(/:/g, '\\:')}:${oneLine(description)}` : name);
  const empty = options.described ? 'reply=()' : ':';
  const subcommands = specs
    .filter((spec) => spec.subcommands.length > 0)
    .map((spec) => arm(shQuote(spec.path), list(spec.subcommands.map((subcommand) => described(subcommand.name, subcommand.description)))));
  const flags = specs.map((spec) => arm(shQuote(spec.path), list(spec.options.filter((option) => !option.hidden).flatMap((option) => option.flags.map((flag) => described(flag, option.description))))));
  const valueFlags = specs.flatMap((spec) => spec.options.filter((option) => option.takesValue).flatMap((option) => option.flags.map((flag) => `${spec.path} ${flag}`)));
  const choices = specs.flatMap((spec) =>
    spec.options.filter((option) => option.choices.length > 0).map((option) => arm(option.flags.map((flag) => shQuote(`${spec.path} ${flag}`)).join('|'), `echo ${shQuote(option.choices.join(' '))}`)),
  );
  const argumentArms = specs.flatMap((spec) =>
    spec.arguments.flatMap((argument, index) => {
      const kind = argument.kind === 'choices' ? `choices:${argument.choices.join(' ')}` : argument.kind;
      const last = index === spec.arguments.length - 1 && spec.variadic;
      // Before a variadic last argument (whose arm matches every position), the earlier ones need arms of their own.
      if (kind === 'none' && !spec.variadic) return [];
      return [arm(last ? `${shQuote(`${spec.path} `)}*` : shQuote(`${spec.path} ${index}`), `echo ${shQuote(kind)}`)];
    }),
  );
  return [
    '# The command tree, generated from agentctl itself.',
    '_agentctl_subcommands() {',
    '  case "$1" in',
    ...subcommands,
    `    *) ${empty} ;;`,
    '  esac',
    '}',
    '_agentctl_flags() {',
    '  case "$1" in',
    ...flags,
    `    *) ${empty} ;;`,
    '  esac',
    '}',
    '_agentctl_takes_value() {',
    '  case "$1 $2" in',
    ...(valueFlags.length === 0 ? [] : [arm(valueFlags.map(shQuote).join('|'), 'return 0')]),
    '    *) return 1 ;;',
    '  esac',
    '}',
    '_agentctl_flag_choices() {',
    '  case "$1 $2" in',
    ...choices,
    '  esac',
    '}',
    '_agentctl_argument() {',
    '  case "$1 $2" in',
    ...argumentArms,
    '    *) echo none ;;',
    '  esac',
    '}',
  ].join('\n');
}

/**
 * The words before the cursor, walked as commander parses them: flags (and
 * the value of a flag that takes one) are skipped, a subcommand name extends
 * the path, anything else is the next positional argument. Shared by bash
 * and zsh (both index from $start to before $current in the array named).
 */
const WALK = `  local cmdpath='' word='' option='' expect='' pos=0 i subcommands
  for (( i = start; i < current; i++ )); do
    word="\${words_[i]}"
    [[ "$word" == '=' ]] && continue
    if [[ -n "$expect" ]]; then expect=''; continue; fi
    if [[ "$word" == -* ]]; then
      if [[ "$word" != *=* ]] && _agentctl_takes_value "$cmdpath" "$word"; then expect=1; option="$word"; fi
      continue
    fi
    if (( pos == 0 )) && [[ " $(_agentctl_names "$cmdpath") " == *" $word "* ]]; then
      cmdpath="\${cmdpath:+$cmdpath }$word"
    else
      pos=$(( pos + 1 ))
    fi
  done`;

function bashScript(specs: readonly CommandSpec[]): string {
  return `# bash completion for agentctl: commands, flags and agent ids.
# Generated by \`agentctl completion bash\`; load it with
#   eval "$(agentctl completion bash)"   (in ~/.bashrc), or save it as
#   ~/.local/share/bash-completion/completions/agentctl
${caseFunctions(specs, { described: false })}
_agentctl_names() { _agentctl_subcommands "$1"; }

_agentctl() {
  local -a words_=("\${COMP_WORDS[@]}")
  local start=1 current=$COMP_CWORD cur="\${COMP_WORDS[COMP_CWORD]}"
  [[ "$cur" == '=' ]] && cur=''
${WALK}
  COMPREPLY=()
  if [[ -n "$expect" ]]; then
    local choices
    choices="$(_agentctl_flag_choices "$cmdpath" "$option")"
    if [[ -n "$choices" ]]; then COMPREPLY=($(compgen -W "$choices" -- "$cur")); else COMPREPLY=($(compgen -f -- "$cur")); fi
    return 0
  fi
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$(_agentctl_flags "$cmdpath")" -- "$cur"))
    return 0
  fi
  subcommands="$(_agentctl_subcommands "$cmdpath")"
  if [[ -n "$subcommands" ]] && (( pos == 0 )); then
    COMPREPLY=($(compgen -W "$subcommands" -- "$cur"))
    return 0
  fi
  local kind
  kind="$(_agentctl_argument "$cmdpath" "$pos")"
  case "$kind" in
    agents) COMPREPLY=($(compgen -W "$("\${COMP_WORDS[0]}" __complete agents 2>/dev/null)" -- "$cur")) ;;
    files)
      COMPREPLY=($(compgen -f -- "$cur"))
      compopt -o filenames 2>/dev/null
      ;;
    choices:*) COMPREPLY=($(compgen -W "\${kind#choices:}" -- "$cur")) ;;
  esac
  return 0
}
complete -F _agentctl agentctl
`;
}

function zshScript(specs: readonly CommandSpec[]): string {
  return `#compdef agentctl
# zsh completion for agentctl: commands, flags and agent ids.
# Generated by \`agentctl completion zsh\`; save it as _agentctl in a
# directory of $fpath (before compinit runs), or source it after compinit.
${caseFunctions(specs, { described: true })}
_agentctl_names() {
  local -a reply
  _agentctl_subcommands "$1"
  print -r -- "\${reply[@]%%:*}"
}

_agentctl() {
  local -a words_ reply
  words_=("\${words[@]}")
  local start=2 current=$CURRENT cur="\${words[CURRENT]}"
${WALK}
  if [[ -n "$expect" ]]; then
    local choices
    choices="$(_agentctl_flag_choices "$cmdpath" "$option")"
    if [[ -n "$choices" ]]; then compadd -- \${=choices}; else _files; fi
    return
  fi
  if [[ "$cur" == -* ]]; then
    _agentctl_flags "$cmdpath"
    _describe -t options 'flag' reply
    return
  fi
  _agentctl_subcommands "$cmdpath"
  if (( \${#reply} > 0 && pos == 0 )); then
    _describe -t commands 'command' reply
    return
  fi
  local kind
  kind="$(_agentctl_argument "$cmdpath" "$pos")"
  case "$kind" in
    agents) compadd -- \${(f)"$("\${words[1]}" __complete agents 2>/dev/null)"} ;;
    files) _files ;;
    choices:*) compadd -- \${=\${kind#choices:}} ;;
  esac
}

if [[ "\${funcstack[1]}" == _agentctl ]]; then
  _agentctl "$@"
else
  compdef _agentctl agentctl
fi
`;
}

function fishScript(specs: readonly CommandSpec[]): string {
  const lines = [
    '# fish completion for agentctl: commands, flags and agent ids.',
    '# Generated by `agentctl completion fish`; save it as',
    '#   ~/.config/fish/completions/agentctl.fish',
    'complete -c agentctl -f',
    '',
    'function __agentctl_subcommands',
    '    switch "$argv[1]"',
    ...specs
      .filter((spec) => spec.subcommands.length > 0)
      .flatMap((spec) => [`        case ${fishQuote(spec.path)}`, `            printf '%s\\n' ${spec.subcommands.map((subcommand) => fishQuote(subcommand.name)).join(' ')}`]),
    '    end',
    'end',
    '',
    'function __agentctl_takes_value',
    '    switch "$argv[1] $argv[2]"',
    ...specs.flatMap((spec) => {
      const flags = spec.options.filter((option) => option.takesValue).flatMap((option) => option.flags.map((flag) => fishQuote(`${spec.path} ${flag}`)));
      return flags.length === 0 ? [] : [`        case ${flags.join(' ')}`, '            return 0'];
    }),
    '    end',
    '    return 1',
    'end',
    '',
    '# The command path before the cursor, walked as agentctl parses it.',
    'function __agentctl_path',
    '    set -l tokens (commandline -opc)',
    '    set -l path',
    '    set -l expect 0',
    '    for token in $tokens[2..-1]',
    '        if test $expect = 1',
    '            set expect 0',
    '            continue',
    '        end',
    "        if string match -q -- '-*' $token",
    "            if not string match -q -- '*=*' $token; and __agentctl_takes_value \"$path\" $token",
    '                set expect 1',
    '            end',
    '            continue',
    '        end',
    '        if contains -- $token (__agentctl_subcommands "$path")',
    '            set path (string trim -- "$path $token")',
    '        else',
    '            break',
    '        end',
    '    end',
    '    echo $path',
    'end',
    '',
    'function __agentctl_at',
    '    set -l path (__agentctl_path)',
    '    test "$path" = "$argv[1]"',
    'end',
    '',
    '# The agentctl being completed (as typed) lists the ids.',
    'function __agentctl_agents',
    '    set -l tokens (commandline -opc)',
    '    $tokens[1] __complete agents 2>/dev/null',
    'end',
    '',
  ];
  for (const spec of specs) {
    const at = `-n ${fishQuote(`__agentctl_at ${shQuote(spec.path)}`)}`;
    for (const subcommand of spec.subcommands) lines.push(`complete -c agentctl ${at} -a ${fishQuote(subcommand.name)} -d ${fishQuote(oneLine(subcommand.description))}`);
    for (const option of spec.options.filter((item) => !item.hidden)) {
      const names = option.flags.map((flag) => (flag.startsWith('--') ? `-l ${fishQuote(flag.slice(2))}` : `-s ${fishQuote(flag.slice(1))}`));
      const value = !option.takesValue ? '' : option.choices.length > 0 ? ` -x -a ${fishQuote(option.choices.join(' '))}` : ' -r -F';
      lines.push(`complete -c agentctl ${at} ${names.join(' ')}${value} -d ${fishQuote(oneLine(option.description))}`);
    }
    const kinds = new Set(spec.arguments.map((argument) => argument.kind));
    if (kinds.has('agents')) lines.push(`complete -c agentctl ${at} -a '(__agentctl_agents)'`);
    if (kinds.has('files')) lines.push(`complete -c agentctl ${at} -F`);
    for (const argument of spec.arguments) if (argument.kind === 'choices') lines.push(`complete -c agentctl ${at} -a ${fishQuote(argument.choices.join(' '))}`);
  }
  return `${lines.join('\n')}\n`;
}

const SCRIPTS: Readonly<Record<Shell, (specs: readonly CommandSpec[]) => string>> = { bash: bashScript, zsh: zshScript, fish: fishScript };

/** The ids of the agents defined under the default paths, one a line, in natural order; nothing when there are none. */
async function printAgentIds(): Promise<void> {
  const [{ checkDefinitions }, { compareNatural }] = await Promise.all([import('../../check/check-files.js'), import('../../text/natural-order.js')]);
  const checked = await checkDefinitions(undefined, { cwd: process.cwd() });
  const ids = [...new Set(checked.documents.flatMap((document) => (document.agentId === null ? [] : [document.agentId])))].sort(compareNatural);
  process.stdout.write(ids.map((id) => `${id}\n`).join(''));
}

export function register(program: Command): void {
  program
    .command('completion')
    .summary('print a shell completion script (bash, zsh, fish)')
    .description('Print a completion script for bash, zsh or fish: commands, flags, and the ids of the agents under agents/.')
    .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(SHELLS))
    .addHelpText('after', HELP_EXAMPLES)
    .action((shell: Shell, _options: unknown, command: Command) => {
      // Every command is registered for this one (see commands/index.ts), so the tree is the whole program's.
      const root = command.parent ?? command;
      process.stdout.write(SCRIPTS[shell](describeTree(root)));
    });

  // What the scripts call when Tab needs agent ids.
  program
    .command('__complete', { hidden: true })
    .argument('<what>', 'agents')
    .action(async (what: string) => {
      if (what === 'agents') await printAgentIds();
    });
}
