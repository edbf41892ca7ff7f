// `npm run icacn -- <command>`: token, issue, publish, get, verify, trust (development, over HTTP) and
// operator (coalition acts, on the database). Thin: parse, call, print.
import { ConfigError, loadConfig } from '../config.js'
import { DataDirLockedError } from '../db/data-dir-lock.js'
import { AppError } from '../errors.js'
import { UsageError } from './args.js'
import { CliError } from './gateway-client.js'
import { operatorCommand } from './operator.js'
import { trustCommand, verifyCommand } from './record-verify.js'
import { getCommand, issueCommand, publishCommand } from './record.js'
import { tokenCommand } from './token.js'

const COMMANDS: Record<string, (argv: string[], config: ReturnType<typeof loadConfig>) => Promise<void>> = {
  token: tokenCommand,
  operator: operatorCommand,
  issue: issueCommand,
  publish: publishCommand,
  get: getCommand,
  verify: verifyCommand,
  trust: trustCommand,
}

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv
  const command = name ? COMMANDS[name] : undefined
  if (!command) throw new UsageError(`usage: icacn <${Object.keys(COMMANDS).join('|')}> [options]`)
  await command(rest, loadConfig(process.env))
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const known = err instanceof UsageError || err instanceof CliError || err instanceof ConfigError || err instanceof DataDirLockedError || err instanceof AppError
  console.error(`icacn: ${known ? (err as Error).message : String((err as Error)?.stack ?? err)}`)
  process.exit(err instanceof UsageError ? 64 : 1)
})
