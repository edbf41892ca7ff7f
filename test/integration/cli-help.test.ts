// The CLI as a person meets it, with no gateway running: `icacn --help` lists every command,
// `<command> --help` shows its usage, every option it accepts and an example (exit 0, stdout only,
// even with a configuration the commands would refuse), and a usage error is one line on stderr, 64.
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CommandSpec } from '../../src/cli/help.js'
import { KEYS } from '../../src/cli/keys.js'
import { OPERATOR } from '../../src/cli/operator.js'
import { TRUST, VERIFY } from '../../src/cli/record-verify.js'
import { GET, ISSUE, PUBLISH } from '../../src/cli/record.js'
import { TOKEN } from '../../src/cli/token.js'
import { WEBHOOKS } from '../../src/cli/webhooks.js'
import { ROOT, TSX } from '../support/process.js'

const SPECS: CommandSpec[] = [TOKEN, ISSUE, PUBLISH, GET, TRUST, VERIFY, WEBHOOKS, KEYS, OPERATOR]

let tmp: string
let env: NodeJS.ProcessEnv

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'icacn-help-'))
  // Nothing listens on port 1; a development DATA_DIR with no keys in it.
  const { DATABASE_URL: _omit, ...rest } = process.env
  env = { ...rest, ICACN_MODE: 'development', DATA_DIR: tmp, HOST: '127.0.0.1', PORT: '1' }
})

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true })
})

interface Run {
  status: number | null
  stdout: string
  errLines: string[]
}

/** One run of `icacn <args>`, asynchronous (unlike runCli) so the cases below start side by side. */
function run(args: string[], runEnv = env): Promise<Run> {
  return new Promise((resolve) => {
    execFile(TSX, ['src/cli/index.ts', ...args], { cwd: ROOT, env: runEnv, encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
      const status = err ? (typeof err.code === 'number' ? err.code : null) : 0
      resolve({ status, stdout, errLines: stderr.split('\n').filter((l) => l !== '') })
    })
  })
}

// Each case is a few CLI start-ups (about a second of CPU each), run side by side on a small machine.
const SLOW = { timeout: 120_000 }

describe.concurrent('icacn --help', SLOW, () => {
  it('lists every command with its one-line summary, the exit statuses and an example; -h and help say the same', async () => {
    const help = await run(['--help'])
    expect(help.status).toBe(0)
    expect(help.errLines).toEqual([])
    const block = help.stdout.slice(help.stdout.indexOf('commands:\n')).split('\n').slice(1)
    const listed = block.slice(0, block.indexOf('')).map((l) => l.trim().split(/\s+/)[0])
    expect(listed).toEqual(SPECS.map((s) => s.name))
    for (const spec of SPECS) expect(help.stdout).toContain(`  ${spec.name.padEnd(8)}  ${spec.summary}\n`)
    expect(help.stdout).toMatch(/Exit status: 0 .*, 1 .*, 64 usage error/)
    expect(help.stdout).toMatch(/example:\n {2}npm run -s icacn -- /)
    expect((await run(['-h'])).stdout).toBe(help.stdout)
    expect((await run(['help'])).stdout).toBe(help.stdout)
  })

  it('help <command> and <command> -h print what <command> --help does', async () => {
    const [help, viaHelp, short] = await Promise.all([run(['publish', '--help']), run(['help', 'publish']), run(['publish', '-h'])])
    expect(help.stdout).toMatch(/^icacn publish: /)
    expect(viaHelp.stdout).toBe(help.stdout)
    expect(short.stdout).toBe(help.stdout)
  })

  it.each(SPECS.map((s) => [s.name, s] as const))(
    '%s --help: usage, every option with its meaning, an example; exit 0',
    async (name, spec) => {
      const help = await run([name, '--help'])
      expect(help.status).toBe(0)
      expect(help.errLines).toEqual([])
      expect(help.stdout).toMatch(new RegExp(`^icacn ${name}: \\S`))
      expect(help.stdout).toContain(`usage: icacn ${name} `)
      const options = Object.keys(spec.options)
      expect(options.length).toBeGreaterThan(0)
      for (const option of options) {
        const line = help.stdout.split('\n').find((l) => l.startsWith(`  --${option} `) || l === `  --${option}`)
        expect(line, `--${option} is not listed`).toBeDefined()
        expect(line).toContain(spec.options[option]!.meaning)
      }
      expect(help.stdout).toMatch(new RegExp(`examples?:\\n {2}(\\S+=\\$\\()?npm run -s icacn -- ${name} `))
    },
  )

  it('--help wins over everything else on the line, even in production mode with no keys', async () => {
    const production = { ...env, ICACN_MODE: 'production', ICACN_ISSUER: 'https://exchange.icacn.test' }
    const help = await run(['get', '--member', 'TH', '--bogus', '--help'], production)
    expect(help.status).toBe(0)
    expect(help.stdout).toBe((await run(['get', '--help'])).stdout)
    // After `--` it is an argument, not a request for help.
    expect((await run(['get', '--', '--help'])).status).toBe(64)
  })
})

describe.concurrent('usage errors: one line on stderr naming the fix, nothing on stdout, exit 64', SLOW, () => {
  it.each([
    ['no command', [], /^icacn: no command given; icacn --help lists the commands$/],
    ['an unknown command', ['pubish', '--member', 'KR'], /^icacn: unknown command "pubish"; icacn --help lists the commands$/],
    ['an inherited property name as command', ['constructor'], /^icacn: unknown command "constructor"/],
    ['help on an unknown command', ['help', 'pubish'], /^icacn: no command "pubish"/],
    ['an unknown option', ['issue', '--member', 'KR', '--flie', 'x.json'], /^icacn: Unknown option '--flie'.* \(icacn issue --help\)$/],
    [
      'a missing required option',
      ['get', '--member', 'TH', '--originator', 'KR'],
      /^icacn: usage: icacn get --member CODE --originator CODE --id UUID .* \(icacn get --help\)$/,
    ],
    ['token without --member', ['token', '--role', 'analyst'], /^icacn: --member is required \(icacn token --help\)$/],
    [
      '--file and --stdin together',
      ['publish', '--member', 'KR', '--file', 'a.sdjwt', '--stdin'],
      /^icacn: --file and --stdin exclude each other; usage: icacn publish .* \(icacn publish --help\)$/,
    ],
    [
      'a bad --max-age',
      ['verify', '--aud', 'TH', '--file', 'x', '--max-age', 'soon'],
      /^icacn: --max-age must be a whole number of seconds \(icacn verify --help\)$/,
    ],
    [
      'an unknown operator act',
      ['operator', 'suspnd', '--operator', 'ops', '--member', 'LA'],
      /^icacn: unknown act "suspnd": icacn operator <suspend\|reinstate\|register-key\|revoke-key> … \(icacn operator --help\)$/,
    ],
    ['keys with no subcommand', ['keys'], /^icacn: usage: icacn keys generate .* \(icacn keys --help\)$/],
  ] as const)('%s', async (_what, args, message) => {
    const r = await run([...args])
    expect(r.status).toBe(64)
    expect(r.stdout).toBe('')
    expect(r.errLines).toHaveLength(1)
    expect(r.errLines[0]).toMatch(message)
  })
})
