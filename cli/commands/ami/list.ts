import { Flags } from '@oclif/core';
import { ParsedCommand } from '../../base-command';
import { EXIT_CODES_HELP } from '../../errors';
import { awsConnection, awsFlags } from '../../aws-flags';
import { renderTable } from '../../render/table';
import type { FoundImage } from '../../../infra/providers/aws/our-images';

export default class AmiList extends ParsedCommand<typeof AmiList> {
  static summary = 'List the machine images `mesoscloud ami build` made in a region, newest first.';

  static description =
    'Images of this account tagged mesoscloud:image (the package version they carry), with their state and the daemon ' +
    'bundle and Node version each holds. Only available images can be launched.\n\n' + EXIT_CODES_HELP;

  static examples = ['<%= config.bin %> <%= command.id %> --region eu-west-1', '<%= config.bin %> <%= command.id %> --region eu-west-1 --image-version 0.1.0 --json'];

  static enableJsonFlag = true;

  static flags = {
    ...awsFlags,
    'image-version': Flags.string({ description: 'only images of this mesoscloud version' }),
    arch: Flags.string({ description: 'only images of this architecture', options: ['x86_64', 'arm64'] }),
  };

  async run(): Promise<{ images: FoundImage[] }> {
    const { flags } = this;
    const conn = awsConnection(flags);
    const [{ findImages }, { ec2Client }] = await Promise.all([import('../../../infra/providers/aws/our-images'), import('../../../infra/providers/aws/ec2-client')]);
    const images = await findImages(await ec2Client(conn), { version: flags['image-version'], arch: flags.arch, states: ['available', 'pending', 'failed'] });
    if (images.length === 0) {
      this.log(`No mesoscloud images in ${conn.region}. Build one with: mesoscloud ami build --region ${conn.region}`);
      return { images };
    }
    const rows = images.map((i) => [i.imageId, i.version, i.arch, i.state, i.created, (i.bundleSha256 ?? '').slice(0, 12), i.nodeVersion ?? '', i.name]);
    for (const line of renderTable(['IMAGE', 'VERSION', 'ARCH', 'STATE', 'CREATED', 'BUNDLE', 'NODE', 'NAME'], rows)) this.log(line);
    return { images };
  }
}
