// Locates files shipped beside the code (contracts/, schema/) from both src/ (tsx) and dist/src/ (built).
import fs from 'node:fs'
import { fileURLToPath } from 'node:url'

export function projectFile(relative: string): string {
  for (const up of ['../', '../../']) {
    const candidate = fileURLToPath(new URL(up + relative, import.meta.url))
    if (fs.existsSync(candidate)) return candidate
  }
  throw new Error(`project file ${relative} not found`)
}
