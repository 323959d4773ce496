/**
 * Task sandboxes through the master (LIST_FILES / READ_FILE / GET /files/download), so the browser
 * never needs to reach an agent. Paths are the master's virtual form:
 * /frameworks/<framework id>/tasks/<task id>/<path inside the sandbox>.
 */
import { operatorCall } from './api';
import type { OperatorFileInfo } from './model';

export type FileInfo = OperatorFileInfo;

export function sandboxPath(frameworkId: string, taskId: string, relative = ''): string {
  const base = `/frameworks/${encodeURIComponent(frameworkId)}/tasks/${encodeURIComponent(taskId)}`;
  const rest = relative.split('/').filter(Boolean).join('/');
  return rest ? `${base}/${rest}` : base;
}

export function downloadUrl(path: string): string {
  return `/files/download?path=${encodeURIComponent(path)}`;
}

/** S_IFMT and S_IFDIR of st_mode. */
export function isDirectory(file: FileInfo): boolean {
  return (file.mode & 0o170000) === 0o040000;
}

export function baseName(path: string): string {
  const parts = path.split('/').filter(Boolean);
  const last = parts[parts.length - 1] ?? '';
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}

/** "-rw-r--r--" from a numeric st_mode. */
export function modeText(mode: number): string {
  const kind = (mode & 0o170000) === 0o040000 ? 'd' : (mode & 0o170000) === 0o120000 ? 'l' : '-';
  const bits = 'rwxrwxrwx';
  let out = kind;
  for (let i = 0; i < 9; i++) out += mode & (1 << (8 - i)) ? bits[i] : '-';
  return out;
}

export async function listFiles(path: string, signal?: AbortSignal): Promise<FileInfo[]> {
  const res = await operatorCall<{ list_files?: { file_infos?: FileInfo[] } }>('LIST_FILES', { list_files: { path } }, signal);
  return res.list_files?.file_infos ?? [];
}

export async function readFile(path: string, offset: number, length: number, signal?: AbortSignal): Promise<{ size: number; data: Uint8Array }> {
  const res = await operatorCall<{ read_file?: { size?: number; data?: string } }>('READ_FILE', { read_file: { path, offset, length } }, signal);
  return { size: Number(res.read_file?.size ?? 0), data: fromBase64(res.read_file?.data ?? '') };
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}
