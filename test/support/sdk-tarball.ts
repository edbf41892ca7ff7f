// The SDK as a partner receives it: `npm pack` of packages/sdk, installed into an empty project with
// no access to this repository's node_modules. The SDK's dependencies go in as tarballs packed from
// the copies npm already installed here, with --offline: the test reaches no registry.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { ROOT } from './process.js'

const SDK_DIR = path.join(ROOT, 'packages/sdk')
const npm = (args: string[], cwd: string) =>
  execFileSync('npm', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' },
  })

/** Where npm installed `name` for the SDK (its own node_modules, else hoisted to the root). */
function installedDir(name: string): string {
  for (const base of [path.join(SDK_DIR, 'node_modules'), path.join(ROOT, 'node_modules')]) {
    const dir = path.join(base, name)
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir
  }
  throw new Error(`${name} is not installed; run npm ci`)
}

/** The SDK's runtime dependencies, transitively, as installed here. */
function dependencyDirs(): string[] {
  const seen = new Map<string, string>()
  const visit = (manifest: { dependencies?: Record<string, string> }) => {
    for (const name of Object.keys(manifest.dependencies ?? {})) {
      if (seen.has(name)) continue
      const dir = installedDir(name)
      seen.set(name, dir)
      visit(JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')))
    }
  }
  visit(JSON.parse(fs.readFileSync(path.join(SDK_DIR, 'package.json'), 'utf8')))
  return [...seen.values()]
}

export interface PartnerProject {
  dir: string
  /** The files the SDK tarball holds (paths inside the package). */
  tarballFiles: string[]
  /** Packages installed into the project's node_modules. */
  installed: string[]
  cleanup(): void
}

export function installPackedSdk(): PartnerProject {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'icacn-partner-'))
  const packs = path.join(dir, 'tarballs')
  fs.mkdirSync(packs)
  const [sdk] = JSON.parse(npm(['pack', '--json', '--pack-destination', packs], SDK_DIR)) as Array<{
    filename: string
    files: Array<{ path: string }>
  }>
  for (const dep of dependencyDirs()) npm(['pack', '--silent', '--pack-destination', packs, dep], dir)
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'partner-agency-integration', private: true, type: 'module' }))
  const tarballs = fs.readdirSync(packs).map((f) => `./tarballs/${f}`)
  npm(['install', '--offline', '--no-audit', '--no-fund', ...tarballs], dir)
  const modules = path.join(dir, 'node_modules')
  const installed = fs
    .readdirSync(modules)
    .flatMap((n) => (n.startsWith('@') ? fs.readdirSync(path.join(modules, n)).map((m) => `${n}/${m}`) : n.startsWith('.') ? [] : [n]))
  return {
    dir,
    tarballFiles: sdk!.files.map((f) => f.path),
    installed: installed.sort(),
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  }
}
