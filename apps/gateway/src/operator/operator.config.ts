import { IsOptional, Matches } from 'class-validator';
import { IsSecret, validateEnvironment } from '@credit-hub/service-kit';

/**
 * The operator API's setting, validated at boot like the rest of the gateway's environment.
 * `OPERATOR_API_KEYS`: comma-separated SHA-256 hashes (64 lower-case hex) of the operator keys;
 * the keys themselves are never configured anywhere. Unset or empty: the operator API refuses
 * every request (401). Operator keys are separate from the domain keys (api_keys table) and act
 * on every domain's catalog; a domain key never opens the operator API. May come from the file
 * named by OPERATOR_API_KEYS_FILE; the hash of a value published in the repository (a placeholder,
 * a former default) stops the gateway at boot.
 */
export class OperatorConfig {
  @IsOptional()
  @Matches(/^\s*([0-9a-f]{64}\s*(,\s*[0-9a-f]{64}\s*)*)?$/, { message: 'OPERATOR_API_KEYS must be comma-separated SHA-256 hashes (64 lower-case hex characters each)' })
  @IsSecret({ hashList: true })
  OPERATOR_API_KEYS?: string;

  /** The configured hashes, as a list. */
  get operatorKeyHashes(): string[] {
    return (this.OPERATOR_API_KEYS ?? '').split(',').map((hash) => hash.trim()).filter((hash) => hash !== '');
  }
}

/** Nest provider of the validated OperatorConfig (a bad value stops the gateway at boot, naming it). */
export const operatorConfigProvider = { provide: OperatorConfig, useFactory: () => validateEnvironment(OperatorConfig, process.env) };
