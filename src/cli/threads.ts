// Kept for scripts that import the spawn function from its old place; it lives in scrramble/node.
export { spawnNodeWorker } from "../node/threads.js";
