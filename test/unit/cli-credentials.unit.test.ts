import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CredentialFlagError, resolveCredential } from '../../cli/credentials';

describe("the CLI's credential", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-credential-'));
  const catalogFile = path.join(dir, 'operator.json');
  fs.writeFileSync(catalogFile, JSON.stringify({ principal: 'operator', secret: 'from-catalog' }));
  const secretFile = path.join(dir, 'secret');
  fs.writeFileSync(secretFile, 'from-file\n');

  it('takes flags first, then the environment, then the catalog', async () => {
    expect(await resolveCredential({ principal: 'p', secretFile, env: { MESOSCLOUD_SECRET: 'env' }, catalogFile })).toEqual({ principal: 'p', secret: 'from-file' });
    expect(await resolveCredential({ principal: 'p', secret: 'flag', env: {}, catalogFile })).toEqual({ principal: 'p', secret: 'flag' });
    expect(await resolveCredential({ env: { MESOSCLOUD_PRINCIPAL: 'e', MESOSCLOUD_SECRET: 'env' }, catalogFile })).toEqual({ principal: 'e', secret: 'env' });
    expect(await resolveCredential({ env: {}, catalogFile })).toEqual({ principal: 'operator', secret: 'from-catalog' });
    expect(await resolveCredential({ env: {} })).toBeUndefined();
  });

  it('treats a principal without a secret as no credential, and refuses a secret file without a principal', async () => {
    expect(await resolveCredential({ principal: 'p', env: {} })).toBeUndefined();
    await expect(resolveCredential({ secretFile, env: {} })).rejects.toThrow(CredentialFlagError);
    await expect(resolveCredential({ principal: 'p', secretFile: path.join(dir, 'missing'), env: {} })).rejects.toThrow(/cannot read .*missing/);
  });
});
