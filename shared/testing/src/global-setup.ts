// Replaced by the stack + migrated-template setup in the foundation commit.
export default async function setup(): Promise<void> {}
