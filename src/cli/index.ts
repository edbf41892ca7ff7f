// `npm run icacn -- <command>`: token (development), operator (coalition acts). Thin: parse, call, print.
import { ConfigError, loadConfig } from '../config.js'
import { DataDirLockedError } from '../db/data-dir-lock.js'
import { AppError } from '../errors.js'
import { UsageError } from './args.js'
import { operatorCommand } from './operator.js'
import { tokenCommand } from './token.js'

const COMMANDS: Record<string, (argv: string[], config: ReturnType<typeof loadConfig>) => Promise<void>> = {
  token: tokenCommand,
  operator: operatorCommand,
}

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv
  const command = name ? COMMANDS[name] : undefined
  if (!command) throw new UsageError(`usage: icacn <${Object.keys(COMMANDS).join('|')}> [options]`)
  await command(rest, loadConfig(process.env))
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const known = err instanceof UsageError || err instanceof ConfigError || err instanceof DataDirLockedError || err instanceof AppError
  console.error(`icacn: ${known ? (err as Error).message : String((err as Error)?.stack ?? err)}`)
  process.exit(err instanceof UsageError ? 64 : 1)
})
