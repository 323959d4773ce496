/** The web UI makes links only of http(s) URLs reported by the cluster (a framework's webui_url). */
import { isWebUrl } from '../../cluster/webui/format';

describe('isWebUrl', () => {
  it.each(['http://10.0.0.5:8080/ui', 'https://marathon.example.com', 'HTTPS://EXAMPLE.COM/'])('takes %s', (url) => {
    expect(isWebUrl(url)).toBe(true);
  });

  it.each([
    'javascript:alert(document.cookie)', ' javascript:alert(1)', 'JaVaScRiPt:alert(1)', 'java\nscript:alert(1)', 'data:text/html,<script>alert(1)</script>',
    'vbscript:msgbox(1)', 'file:///etc/passwd', '//evil.example.com', '/relative', 'not a url', '',
  ])('refuses %j', (url) => {
    expect(isWebUrl(url)).toBe(false);
  });
});
