// Every service of proto/smd/v1, from the generated descriptors (src/gen/index.ts is written
// by scripts/gen-proto.sh): the gateway forwards each method without a hand-kept list.
export { ALL_SERVICES as SERVICES } from '@/gen/index';
export { AuthService } from '@/gen/smd/v1/auth_pb';
