import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Flags } from '@oclif/core';
import { integerFlag, ParsedCommand } from '../../base-command';
import { EXIT, EXIT_CODES_HELP } from '../../errors';
import { awsFlags, awsConnection } from '../../aws-flags';

export interface AmiBuildJson {
  image_id: string;
  name: string;
  region: string;
  arch: string;
  version: string;
  base_image: string;
  bundle_sha256: string;
  node_version: string;
  snapshots: string[];
  installed: string[];
  host_key: 'console' | 'first-use';
  cleaned: string[];
}

export default class AmiBuild extends ParsedCommand<typeof AmiBuild> {
  static summary = 'Build an EC2 machine image with Node 20, Java, ZooKeeper and the mesoscloud daemons.';

  static description =
    'Starts one temporary instance of the base image (the newest Ubuntu LTS unless --base-ami) with a temporary ' +
    'key pair (your public key) and a security group that lets only your address reach SSH; pins its SSH host key ' +
    'from the console output; installs Node 20, OpenJDK 17 (headless JRE), ZooKeeper (installed, not started) and ' +
    'the daemon bundle; cleans it for imaging and creates the image, tagged mesoscloud:image=<version>. The ' +
    'instance, key pair and security group are removed afterwards whatever happens, Ctrl-C included, and anything ' +
    'that could not be removed is named with the command that removes it. A cluster launched from the image ' +
    'installs nothing and uploads no bundle. Progress goes to stderr, the image id to stdout.\n\n' + EXIT_CODES_HELP;

  static examples = [
    '<%= config.bin %> <%= command.id %> --region eu-west-1',
    '<%= config.bin %> <%= command.id %> --region us-east-1 --arch arm64 --instance-type t4g.small --key ~/.ssh/id_ed25519',
    '<%= config.bin %> <%= command.id %> --region eu-west-1 --subnet subnet-0abc123 --allow-cidr 203.0.113.0/24 --json',
  ];

  static enableJsonFlag = true;

  static flags = {
    ...awsFlags,
    'instance-type': Flags.string({ description: 'instance type of the builder', default: 't3.small' }),
    arch: Flags.string({ description: 'CPU architecture of the image', options: ['x86_64', 'arm64'], default: 'x86_64' }),
    'base-ami': Flags.string({ description: 'image to build on (default: the newest Ubuntu LTS for --arch)' }),
    subnet: Flags.string({ description: 'subnet the builder runs in (default: the default VPC); it needs a route to the internet' }),
    key: Flags.string({ description: 'SSH private key file (default: ssh-agent, then ~/.ssh/id_ed25519, id_ecdsa, id_rsa); its public key becomes the builder\'s key pair' }),
    'ssh-user': Flags.string({ description: 'login user of the base image (passwordless sudo unless root)', default: 'ubuntu' }),
    'ssh-port': integerFlag({ description: 'SSH port of the base image', min: 1, max: 65535, default: 22 }),
    'allow-cidr': Flags.string({ description: 'address or CIDR block the builder\'s SSH is opened to (default: this machine\'s public address, from checkip.amazonaws.com)' }),
  };

  async run(): Promise<AmiBuildJson> {
    const { flags } = this;
    const conn = awsConnection(flags);
    const [{ buildImage }, { cidrValue, operatorCidr, operatorKey }, { ec2Client }, { findDaemonBundle }] = await Promise.all([
      import('../../../ami/build'), import('../../../ami/operator'), import('../../../infra/providers/aws/ec2-client'), import('../../../infra/bootstrap/bundle'),
    ]);
    const key = await operatorKey(flags.key);
    const allowCidr = flags['allow-cidr'] ? cidrValue('allow-cidr', flags['allow-cidr']) : await operatorCidr();
    const bundle = findDaemonBundle();
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mesoscloud-ami-'));
    const progress = (line: string) => process.stderr.write(`${line}\n`);
    // First Ctrl-C: stop and remove the builder's resources, then exit 130. A second one leaves at once.
    const interrupt = new AbortController();
    const onSigint = () => (interrupt.signal.aborted ? process.exit(EXIT.interrupted) : interrupt.abort());
    process.on('SIGINT', onSigint);
    try {
      const result = await buildImage({
        region: conn.region, arch: flags.arch as 'x86_64' | 'arm64', instanceType: flags['instance-type'], baseAmi: flags['base-ami'], subnetId: flags.subnet,
        sshUser: flags['ssh-user'], sshPort: flags['ssh-port'], allowCidr, auth: key.auth, publicKey: key.publicKey,
      }, {
        ec2: await ec2Client(conn), bundle, version: this.config.version, knownHostsFile: path.join(work, 'known_hosts'),
        progress, warn: (line) => progress(`warning: ${line}`), signal: interrupt.signal,
        // A misspelt region's endpoint does not exist: the list of regions comes from one that does.
        placement: conn.endpointUrl ? {} : { regionsClient: await ec2Client({ ...conn, region: 'us-east-1' }) },
      });
      this.log(result.imageId);
      progress(`Image ${result.imageId} (${result.name}) is available in ${result.region}. Launch a cluster from it:`);
      progress(`  mesoscloud launch --provider aws --region ${result.region} --ami ${result.imageId}`);
      return {
        image_id: result.imageId, name: result.name, region: result.region, arch: result.arch, version: result.version, base_image: result.baseImage,
        bundle_sha256: result.bundleSha256, node_version: result.nodeVersion, snapshots: result.snapshots, installed: result.installed,
        host_key: result.hostKey, cleaned: result.cleaned,
      };
    } finally {
      process.off('SIGINT', onSigint);
      fs.rmSync(work, { recursive: true, force: true });
    }
  }
}
