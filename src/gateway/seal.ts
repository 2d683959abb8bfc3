// Opaque, tamper-proof reasoning round trips: clients (codex `encrypted_content`, claude `signature`) carry
// the model's reasoning back to us in a blob only this gateway can open (AES-256-GCM, per-gateway key).
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { registerSecret } from '../logger.js';

const PREFIX = 'swgr1.';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Seals and unseals reasoning text; `unseal` returns undefined for foreign or tampered blobs. */
export interface Sealer {
  seal(text: string): string;
  unseal(blob: string): string | undefined;
}

/**
 * Creates a sealer keyed by `secret` (any string: a fixed one lets a restarted standalone gateway open blobs
 * it sealed before), or by a fresh random key.
 * @default a random 32-byte key per gateway
 */
export function createSealer(secret?: string): Sealer {
  // whoever knows the secret can open every sealed blob: it must never reach a log line or a written file
  registerSecret(secret);
  const key = secret === undefined ? randomBytes(32) : createHash('sha256').update(`swebench-seal:${secret}`).digest();
  return {
    seal(text) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
      return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
    },
    unseal(blob) {
      if (typeof blob !== 'string' || !blob.startsWith(PREFIX)) return undefined;
      const raw = Buffer.from(blob.slice(PREFIX.length), 'base64url');
      if (raw.length < IV_BYTES + TAG_BYTES) return undefined;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
        decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
        return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
      } catch {
        return undefined;
      }
    },
  };
}
