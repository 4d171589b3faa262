export { createSandboxClient, SandboxAuthError, type SandboxClient, type SandboxClientOptions } from './sandbox-client.ts';
