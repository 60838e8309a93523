// The publishing panel's markup and its tab, added to the page when the atlas starts (the
// page itself names the panels every visitor uses). Texts come from i18n.js by data-i18n.
import { applyI18n } from '../i18n.js';

const PANEL = `
<h2 data-i18n="publish.title">Publicera</h2>
<div id="pub-login">
  <p class="hint" data-i18n="publish.keyHelp"></p>
  <form id="pub-key-form" class="form" novalidate>
    <label for="pub-key" data-i18n="publish.key">API-nyckel</label>
    <input id="pub-key" name="key" type="password" autocomplete="off" spellcheck="false" aria-describedby="pub-key-hint pub-key-error">
    <p id="pub-key-hint" class="hint" data-i18n="publish.keyShape"></p>
    <p id="pub-key-error" class="form-error" role="alert"></p>
    <div class="buttons"><button type="submit" class="btn btn-primary" data-i18n="publish.login">Logga in</button></div>
  </form>
</div>
<div id="pub-session" hidden>
  <p class="pub-who"><span id="pub-org"></span>
    <button type="button" id="pub-logout" class="btn btn-small" data-i18n="publish.logout">Logga ut</button></p>
  <p id="pub-readonly" class="hint" data-i18n="publish.readOnly" hidden></p>
  <form id="pub-form" class="form" novalidate>
    <h3 id="pub-form-title" data-i18n="publish.new">Nytt dataset</h3>
    <p id="pub-replacing" class="pub-replacing" hidden><span></span>
      <button type="button" id="pub-replace-cancel" class="btn btn-small" data-i18n="publish.replaceCancel">Avbryt</button></p>
    <div id="pub-drop" class="drop">
      <label for="pub-file" data-i18n="publish.file">Fil</label>
      <input id="pub-file" name="file" type="file" accept=".gpkg,.zip,.geojson,.json,.parquet,.geoparquet,.csv" aria-describedby="pub-formats">
      <p id="pub-formats" class="hint" data-i18n="publish.formats"></p>
      <p id="pub-chosen" class="pub-chosen" aria-live="polite"></p>
    </div>
    <div id="pub-id-row">
      <label for="pub-id" data-i18n="publish.id">Namn (id)</label>
      <input id="pub-id" name="id" type="text" maxlength="40" autocomplete="off" spellcheck="false" aria-describedby="pub-id-help">
      <p id="pub-id-help" class="hint"></p>
    </div>
    <label for="pub-title" data-i18n="publish.titleField">Titel</label>
    <input id="pub-title" name="title" type="text">
    <label for="pub-licence" data-i18n="publish.licence">Licens</label>
    <select id="pub-licence" name="licence">
      <option value="CC0 1.0">CC0 1.0</option>
      <option value="CC BY 4.0">CC BY 4.0</option>
      <option value="" data-i18n="publish.licenceOther">Annan licens …</option>
    </select>
    <div id="pub-licence-other-row" hidden>
      <label for="pub-licence-other" data-i18n="publish.licenceName">Licensens namn</label>
      <input id="pub-licence-other" name="licenceOther" type="text">
    </div>
    <label for="pub-desc" data-i18n="publish.description">Beskrivning (valfri)</label>
    <textarea id="pub-desc" name="description" rows="3"></textarea>
    <fieldset>
      <legend data-i18n="publish.visibility">Vem ser datasetet?</legend>
      <label class="inline block"><input type="radio" name="visibility" value="public" checked> <span data-i18n="publish.visPublic">Alla</span></label>
      <label class="inline block"><input type="radio" name="visibility" value="org"> <span data-i18n="publish.visOrg">Min organisation</span></label>
      <label class="inline block"><input type="radio" name="visibility" value="private"> <span data-i18n="publish.visPrivate">Privat</span></label>
      <p class="hint" data-i18n="publish.visHelp"></p>
    </fieldset>
    <details id="pub-more">
      <summary data-i18n="publish.more">Fler uppgifter</summary>
      <label for="pub-attribution" data-i18n="publish.attribution">Källhänvisning (valfri)</label>
      <input id="pub-attribution" name="attribution" type="text">
      <label for="pub-crs" data-i18n="publish.crs">Koordinatsystem</label>
      <select id="pub-crs" name="crs" aria-describedby="pub-crs-help">
        <option value="" data-i18n="publish.crsFile">Enligt filen</option>
        <option value="EPSG:3006">SWEREF 99 TM (EPSG:3006)</option>
        <option value="EPSG:4326">WGS 84 (EPSG:4326)</option>
      </select>
      <p id="pub-crs-help" class="hint" data-i18n="publish.crsHelp"></p>
      <label for="pub-layer" data-i18n="publish.layer">Lager eller fil i arkivet (valfritt)</label>
      <input id="pub-layer" name="layer" type="text" autocomplete="off">
    </details>
    <fieldset id="pub-csv" hidden>
      <legend data-i18n="publish.csv">CSV-fil</legend>
      <p class="hint" data-i18n="publish.csvHelp"></p>
      <div class="row2">
        <div><label for="pub-x" data-i18n="publish.x">X / longitud</label><input id="pub-x" name="x" type="text" autocomplete="off"></div>
        <div><label for="pub-y" data-i18n="publish.y">Y / latitud</label><input id="pub-y" name="y" type="text" autocomplete="off"></div>
      </div>
      <div class="row2">
        <div><label for="pub-delimiter" data-i18n="publish.delimiter">Avgränsare</label>
          <select id="pub-delimiter" name="delimiter"><option value="" data-i18n="publish.auto">Automatiskt</option><option value=";">;</option><option value=",">,</option><option value="&#9;" data-i18n="publish.tab">Tabb</option></select></div>
        <div><label for="pub-encoding" data-i18n="publish.encoding">Teckenkodning</label>
          <select id="pub-encoding" name="encoding"><option value="" data-i18n="publish.auto">Automatiskt</option><option value="UTF-8">UTF-8</option><option value="windows-1252">Windows-1252</option></select></div>
      </div>
    </fieldset>
    <p id="pub-error" class="form-error" role="alert"></p>
    <div class="buttons">
      <button type="submit" id="pub-submit" class="btn btn-primary" data-i18n="publish.submit">Publicera</button>
    </div>
  </form>
  <section id="pub-job" class="pub-job" aria-labelledby="pub-job-h" hidden>
    <h3 id="pub-job-h" data-i18n="publish.progress">Förlopp</h3>
    <p id="pub-phase" aria-live="polite"></p>
    <progress id="pub-progress" aria-labelledby="pub-job-h"></progress>
    <p id="pub-rows" class="hint"></p>
    <div id="pub-result"></div>
  </section>
  <h3 id="pub-own-h" tabindex="-1" data-i18n="publish.own">Organisationens dataset</h3>
  <div id="pub-own" aria-live="polite"></div>
</div>`;

/** Adds the tab after the others and its panel after theirs; call before the tabs are wired. */
export function mountPublishPanel() {
  if (document.getElementById('panel-publish')) return;
  const tab = document.createElement('button');
  Object.assign(tab, { type: 'button', id: 'tab-publish', tabIndex: -1 });
  tab.setAttribute('role', 'tab');
  tab.setAttribute('aria-controls', 'panel-publish');
  tab.setAttribute('aria-selected', 'false');
  tab.dataset.i18n = 'tab.publish';
  document.querySelector('#panel [role=tablist]').append(tab);
  const section = document.createElement('section');
  Object.assign(section, { id: 'panel-publish', tabIndex: 0, hidden: true, innerHTML: PANEL });
  section.setAttribute('role', 'tabpanel');
  section.setAttribute('aria-labelledby', 'tab-publish');
  document.getElementById('panel').append(section);
  applyI18n(tab.parentElement);
  applyI18n(section);
}
