import { CustomersAuth1764000000000 } from './1764000000000-customers-auth';

// Every migration, in order. A new migration file must be added here.
export const MIGRATIONS: Function[] = [CustomersAuth1764000000000];
