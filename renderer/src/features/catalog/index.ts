/** Bundles and their tasks: the catalog, and importing from a mirror. */
export { CatalogScreen } from './Catalog';
export { ImportScreen } from './Import';
