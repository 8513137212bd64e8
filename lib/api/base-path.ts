// Next's basePath (the Hub service prefix), inlined at build time by next.config.ts.
export const basePath = process.env.NEXT_PUBLIC_BASE_PATH ?? "";
