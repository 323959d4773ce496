/** The providers' names, and where each one's clusters run in the words of its messages. */
export const PROVIDER_NAMES = ['local', 'ssh', 'aws'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

export const WHERE: Record<ProviderName, string> = { local: 'on this machine', ssh: 'on SSH hosts', aws: 'on EC2' };
