import { type AddressObject, parseAddressHeader } from 'mailparser';

export interface NamedAddress {
  address: string;
  name: string;
}

/** Flattens mailparser address objects (groups included), dropping entries without an address. */
export function flattenAddresses(
  value: AddressObject | AddressObject[] | undefined,
): NamedAddress[] {
  const objects = value === undefined ? [] : Array.isArray(value) ? value : [value];
  const out: NamedAddress[] = [];
  const visit = (entries: AddressObject['value']) => {
    for (const entry of entries) {
      if (entry.group) visit(entry.group);
      else if (entry.address) out.push({ address: entry.address, name: entry.name });
    }
  };
  for (const object of objects) visit(object.value);
  return out;
}

/** Addresses in an address-list string ("A <a@x>, b@y", encoded words allowed). */
export function addressList(value: string | null | undefined): NamedAddress[] {
  if (!value || value.trim() === '') return [];
  return flattenAddresses(parseAddressHeader(value));
}
