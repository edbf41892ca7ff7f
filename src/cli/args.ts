// Minimal argument parsing for the CLI (node:util parseArgs), with one clear error line on misuse.
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { type CommandSpec, parseOptions } from './help.js'

/** The command line cannot work as given: index.ts prints one line and exits 64 (EX_USAGE). */
export class UsageError extends Error {}

type Values = Record<string, string | boolean | (string | boolean)[] | undefined>

/** Parses a command's arguments against the options its spec declares (and its help lists). */
export function parseCommand(argv: string[], spec: CommandSpec): Values {
  return parse(argv, parseOptions(spec))
}

export function parse(argv: string[], options: NonNullable<ParseArgsConfig['options']>): Values {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values
  } catch (e) {
    throw new UsageError((e as Error).message)
  }
}

export function required(values: Record<string, unknown>, name: string): string {
  const v = values[name]
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} is required`)
  return v
}
