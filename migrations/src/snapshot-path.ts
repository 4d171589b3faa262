import { fileURLToPath } from 'node:url';

export const SNAPSHOT_PATH = fileURLToPath(new URL('../schema.snapshot.txt', import.meta.url));
