// Types for what Vite imports besides TypeScript: CSS modules and plain style sheets.
declare module '*.module.css' {
  const classes: Record<string, string>;
  export default classes;
}
declare module '*.css';
