/** What the catalog feature offers the other features (import `../catalog`, never its files). */
export { CatalogService, type SellableOffering } from './catalog.service';
