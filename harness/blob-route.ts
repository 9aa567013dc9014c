// The path of the runner's byte store (harness/blobs.ts), shared by the page
// (harness/page.ts) and Node.
export const BLOB_ROUTE = '/febm-blob/';
