// The demo's built-in digits, made by demo/digits-plugin.ts at build (or serve) time.
declare module 'virtual:febm-mnist-digits' {
  /** Digits per class, in class order. */
  export const counts: number[];
  /** The package's distinct pixel values, sorted: a pixel's byte indexes this table. */
  export const values: number[];
  /** The pixels' indices, 784 per digit, gzipped, in base64. */
  export const gzipBase64: string;
}
