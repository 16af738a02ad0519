/** Folders no project keeps its own migrations in: `guard init` looks past them. */
export const VENDORED = /(?:^|\/)(?:node_modules|\.git|\.venv|venv|env|site-packages|dist|build|target|vendor|\.tox)\//;
