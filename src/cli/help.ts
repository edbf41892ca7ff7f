// What `icacn --help` and `icacn <command> --help` print. Each command declares its options once,
// as a CommandSpec next to its code; the parser is built from the same table, so the help lists
// exactly the options the command accepts.
import type { ParseArgsConfig } from 'node:util'

export interface OptionSpec {
  type: 'string' | 'boolean'
  /** The placeholder shown after the flag, e.g. CODE. */
  value?: string
  multiple?: boolean
  /** One line: what the option means. */
  meaning: string
}

export interface CommandSpec {
  name: string
  /** One line, for the command list of `icacn --help`. */
  summary: string
  /** The synopsis, each line after `usage: `. */
  usage: readonly string[]
  options: Readonly<Record<string, OptionSpec>>
  examples: readonly string[]
  notes?: readonly string[]
}

/** The exit statuses every command keeps (sysexits.h for usage). */
export const EXIT = { ok: 0, failed: 1, usage: 64 } as const

export const URL_OPTION: OptionSpec = {
  type: 'string',
  value: 'URL',
  meaning: 'the gateway to talk to (default: http://HOST:PORT from the environment, loopback for a wildcard HOST)',
}

/** `--help` or `-h` anywhere before a `--` terminator. */
export function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--')
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h')
}

/** The node:util parseArgs options for a spec (meanings stripped); `only` for a subcommand's share. */
export function parseOptions(spec: CommandSpec, only?: readonly string[]): NonNullable<ParseArgsConfig['options']> {
  return Object.fromEntries(
    Object.entries(spec.options)
      .filter(([name]) => !only || only.includes(name))
      .map(([name, o]) => [name, o.multiple ? { type: o.type, multiple: true } : { type: o.type }]),
  )
}

/** The one-line synopsis a usage error repeats. */
export const usageLine = (spec: CommandSpec): string => `usage: ${spec.usage[0]}`

function flag(name: string, o: OptionSpec): string {
  return `--${name}${o.value ? ` ${o.value}` : ''}${o.multiple ? ' (repeatable)' : ''}`
}

export function commandHelp(spec: CommandSpec): string {
  const rows: Array<[string, string]> = [
    ...Object.entries(spec.options).map(([n, o]) => [flag(n, o), o.meaning] as [string, string]),
    ['-h, --help', 'print this help and exit'],
  ]
  const width = Math.max(...rows.map(([f]) => f.length))
  return [
    `icacn ${spec.name}: ${spec.summary}`,
    '',
    ...spec.usage.map((u, i) => `${i === 0 ? 'usage: ' : '       '}${u}`),
    '',
    'options:',
    ...rows.map(([f, m]) => `  ${f.padEnd(width)}  ${m}`),
    ...(spec.notes?.length ? ['', ...spec.notes] : []),
    '',
    spec.examples.length > 1 ? 'examples:' : 'example:',
    ...spec.examples.map((e) => `  ${e}`),
    '',
  ].join('\n')
}

export function overview(specs: readonly CommandSpec[]): string {
  const width = Math.max(...specs.map((s) => s.name.length))
  return [
    'icacn: the ICACN Exchange command line (development keys, or the database for operator acts)',
    '',
    'usage: icacn <command> [options]        (from a checkout: npm run -s icacn -- <command> [options])',
    '       icacn <command> --help           what a command takes, with an example',
    '',
    'commands:',
    ...specs.map((s) => `  ${s.name.padEnd(width)}  ${s.summary}`),
    '',
    'Output goes to stdout, and only the result, so it can be piped; messages go to stderr.',
    'A refusal from the gateway is one line with its problem type and detail, then one indented',
    'line per field error: "  <JSON pointer>: <detail>".',
    `Exit status: ${EXIT.ok} done (and --help), ${EXIT.failed} refused or failed, ${EXIT.usage} usage error (the command line cannot work as given).`,
    '',
    'example:',
    '  npm run -s icacn -- issue --member KR --file examples/records/person.json | npm run -s icacn -- publish --member KR --stdin',
    '',
  ].join('\n')
}
