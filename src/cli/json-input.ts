// Reading JSON the CLI is given (records, keys, trust files): one clear line on failure that names
// the file and where the JSON breaks, never the text itself (it may be a record body or a key).
import fs from 'node:fs'
import { CliError } from './gateway-client.js'

/** `text` parsed, or a CliError naming `what` and the position only (Node's messages quote the input). */
export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text)
  } catch (e) {
    const at = /position (\d+)/.exec((e as Error).message)?.[1]
    throw new CliError(`${what} is not valid JSON${at ? ` (at character ${at})` : ''}`)
  }
}

/** The JSON in `file`, or a CliError naming the file and the reason (no such file, not JSON). */
export function readJsonFile(file: string, what: string): unknown {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (e) {
    throw new CliError(`cannot read ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
  }
  return parseJson(text, `${what} ${file}`)
}
