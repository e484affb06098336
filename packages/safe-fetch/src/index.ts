export { checkAddress, classifyAddress, type AddressClass, type AddressVerdict } from './address-policy.js'
export {
  createPinnedLookup,
  createSafeFetch,
  SafeFetchError,
  type ResolvedAddress,
  type Resolver,
  type SafeFetch,
  type SafeFetchErrorCode,
  type SafeFetchOptions,
  type SafeRequestInit,
  type SafeResponse,
} from './safe-fetch.js'
