// What the global setup provides to every test file (vitest's provide/inject).
declare module 'vitest' {
  export interface ProvidedContext {
    s3Endpoint: string;
    templateDatabase: string;
  }
}

export {};
