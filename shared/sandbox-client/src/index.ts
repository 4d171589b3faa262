export { createSandboxClient, type SandboxClient, type SandboxClientOptions } from './sandbox-client.ts';
