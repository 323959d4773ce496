/** The cluster spec and the pure planner that turns it into what runs on which host. */
export * from './host-address';
export * from './planner';
export * from './remote-layout';
export * from './render';
export * from './roles';
export * from './spec';
export * from './spec-file';
export * from './spec-schema';
export { roleRequest } from './spec-checks';
