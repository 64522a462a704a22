/**
 * The most procedure calls one tRPC request may carry. The server refuses larger batches (one
 * request must not cost the server a hundred queries); the browser's client splits its own.
 */
export const MAX_BATCH_SIZE = 20;
