// `npm run icacn -- <command>`: token, issue, publish, get, trust, verify, webhooks, keys (development,
// over HTTP) and operator (coalition acts, on the database). Thin: parse, call, print. `--help` prints a
// command's spec (help.ts) without reading the configuration; exit 0 done, 1 refused or failed, 64 usage.
import { type Config, ConfigError, loadConfig } from '../config.js'
import { DataDirLockedError } from '../db/data-dir-lock.js'
import { AppError } from '../errors.js'
import { UsageError } from './args.js'
import { CliError } from './gateway-client.js'
import { type CommandSpec, commandHelp, EXIT, overview, wantsHelp } from './help.js'
import { OPERATOR, operatorCommand } from './operator.js'
import { TRUST, trustCommand, VERIFY, verifyCommand } from './record-verify.js'
import { GET, getCommand, ISSUE, issueCommand, PUBLISH, publishCommand } from './record.js'
import { KEYS, keysCommand } from './keys.js'
import { TOKEN, tokenCommand } from './token.js'
import { WEBHOOKS, webhooksCommand } from './webhooks.js'
import { describeStartupFailure } from '../startup/startup-failure.js'

interface Command {
  spec: CommandSpec
  run: (argv: string[], config: Config) => Promise<void>
}

// In the order `icacn --help` lists them: a reader's path first, the operator's acts last.
const COMMANDS: Record<string, Command> = {
  token: { spec: TOKEN, run: tokenCommand },
  issue: { spec: ISSUE, run: issueCommand },
  publish: { spec: PUBLISH, run: publishCommand },
  get: { spec: GET, run: getCommand },
  trust: { spec: TRUST, run: trustCommand },
  verify: { spec: VERIFY, run: verifyCommand },
  webhooks: { spec: WEBHOOKS, run: webhooksCommand },
  keys: { spec: KEYS, run: keysCommand },
  operator: { spec: OPERATOR, run: operatorCommand },
}

const commandNamed = (name: string): Command | undefined => (Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined)

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv
  if (name === '--help' || name === '-h' || name === 'help') {
    // `icacn help issue` is `icacn issue --help`.
    const topic = rest[0] === undefined ? undefined : commandNamed(rest[0])
    if (rest[0] !== undefined && !topic) throw new UsageError(`no command "${rest[0]}"; icacn --help lists the commands`)
    process.stdout.write(topic ? commandHelp(topic.spec) : overview(Object.values(COMMANDS).map((c) => c.spec)))
    return
  }
  if (name === undefined) throw new UsageError('no command given; icacn --help lists the commands')
  const command = commandNamed(name)
  if (!command) throw new UsageError(`unknown command "${name}"; icacn --help lists the commands`)
  if (wantsHelp(rest)) {
    process.stdout.write(commandHelp(command.spec))
    return
  }
  try {
    await command.run(rest, loadConfig(process.env))
  } catch (e) {
    // A usage error says where the whole usage is.
    throw e instanceof UsageError ? new UsageError(`${e.message} (icacn ${name} --help)`) : e
  }
}

/** A database the CLI could not open or migrate is described as the gateway's start describes it: one line. */
function databaseFailure(err: unknown): string | null {
  try {
    return describeStartupFailure(err, 'prepare', loadConfig(process.env))
  } catch {
    return null
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const known =
    err instanceof UsageError ||
    err instanceof CliError ||
    err instanceof ConfigError ||
    err instanceof DataDirLockedError ||
    err instanceof AppError
  // describeStartupFailure's line already starts "icacn: ".
  console.error(known ? `icacn: ${(err as Error).message}` : (databaseFailure(err) ?? `icacn: ${String((err as Error)?.stack ?? err)}`))
  process.exit(err instanceof UsageError ? EXIT.usage : EXIT.failed)
})
