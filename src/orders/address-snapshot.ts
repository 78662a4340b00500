import type { AddressSnapshot } from './order.entity';

/** Freezes an address (a saved one or a request body's) the way an order keeps it. */
export function addressSnapshot(a: {
  name: string;
  street: string;
  city: string;
  state?: string | null;
  postalCode: string;
  district?: string | null;
  country: string;
  phone?: string | null;
}): AddressSnapshot {
  return {
    name: a.name,
    street: a.street,
    city: a.city,
    state: a.state ?? null,
    postalCode: a.postalCode,
    district: a.district ?? null,
    country: a.country.toUpperCase(),
    phone: a.phone ?? null,
  };
}
