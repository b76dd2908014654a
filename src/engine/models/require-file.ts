/** A model file the user named (murmur.model.encoder and the like), checked before it is read. */
import * as fs from 'node:fs';
import { MurmurError } from '../errors';

export function requireFile(file: string, role: string): string {
  if (!fs.existsSync(file)) throw new MurmurError('MODEL_FILE_MISSING', `The ${role} file ${file} does not exist. Check the murmur.model.${role} setting.`);
  if (!fs.statSync(file).isFile()) {
    throw new MurmurError(
      'MODEL_FILE_MISSING',
      `The ${role} file ${file} is a directory, not a file. Set murmur.model.${role} to the ${role} file itself, or set murmur.model.path to the model's directory instead.`,
    );
  }
  return file;
}
