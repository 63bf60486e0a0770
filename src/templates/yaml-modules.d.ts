// Type of the YAML files that wrangler bundles as text modules (the `[[rules]] type = "Text"` in wrangler.toml).
declare module "*.yaml" {
  const text: string;
  export default text;
}
