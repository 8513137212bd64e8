// Vitest stands in for React's server environment, where server-only is an empty module.
export {};
