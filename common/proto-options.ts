import type { Options } from '@grpc/proto-loader';

/**
 * proto-loader options shared by the coordinator (Nest gRPC transport), the clinic node client and
 * the type generator (scripts/gen-proto-types.mjs): generated types are only true when all three agree.
 */
export const PROTO_LOADER_OPTIONS: Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
};
