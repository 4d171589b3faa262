// The project targets Node 24 LTS; the `node` devDependency puts it first on the npm-scripts PATH.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(
    `rft-orchestrator needs Node >= 24, found ${process.versions.node}. Run through npm scripts (npm ci installs Node 24 as a devDependency).`,
  );
  process.exit(1);
}
