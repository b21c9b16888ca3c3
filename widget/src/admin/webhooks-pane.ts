// The webhooks pane: what the server says about webhooks. This server has no webhooks yet, and says
// so in GET /admin/api/me (features.webhooks); the pane shows that, never a guess of its own.
import { html, type TemplateResult } from 'lit';
import { Pane, paneStyles } from './pane.js';

export class AdminWebhooks extends Pane {
  static override styles = paneStyles;

  override render(): TemplateResult {
    const t = this.t;
    return html`<h2>${t.webhooks}</h2>
      <section class="card" role="note" data-available=${String(this.info.features.webhooks)}>
        <p>${this.info.features.webhooks ? t.loading : t.webhooksOff}</p>
      </section>`;
  }
}

if (!customElements.get('admin-webhooks')) customElements.define('admin-webhooks', AdminWebhooks);
