// Checks a real response against contracts/openapi.yaml with an independent JSON Schema 2020-12
// validator (Ajv), so a handler that drifts from the contract fails a test.
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import type { LightMyRequestResponse } from 'fastify'
import { loadContract } from '../../src/rest/contract.js'

const contract = loadContract()
const ajv = new Ajv2020({ strict: false, allErrors: true })
;(addFormats as unknown as (a: Ajv2020) => void)(ajv)

export function assertMatchesContract(operationId: string, res: LightMyRequestResponse): void {
  const { schema } = contract.route(operationId)
  const byStatus = (schema.response as Record<string, { content: Record<string, { schema: object }> }>)[String(res.statusCode)]
  if (!byStatus) throw new Error(`${operationId}: status ${res.statusCode} is not in the contract (body: ${res.body.slice(0, 300)})`)
  const contentType = String(res.headers['content-type'] ?? '')
    .split(';')[0]!
    .trim()
  const media = byStatus.content[contentType]
  if (!media) throw new Error(`${operationId}: content type ${contentType} for ${res.statusCode} is not in the contract`)
  const validate = ajv.compile(media.schema)
  if (!validate(JSON.parse(res.body))) {
    throw new Error(
      `${operationId} ${res.statusCode} does not match the contract: ${ajv.errorsText(validate.errors)}\n${res.body.slice(0, 500)}`,
    )
  }
}
