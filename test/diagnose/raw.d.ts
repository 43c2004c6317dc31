// Vite's ?raw imports (a file's text), for tests that hold docs to the code.
declare module "*.md?raw" {
  const text: string;
  export default text;
}
