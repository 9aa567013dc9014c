export declare const INSECURE_HOST: string;
