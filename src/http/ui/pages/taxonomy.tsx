import type { FC } from 'hono/jsx';
import type { SessionPrincipal } from '../../../auth/users.js';
import { priorities } from '../../../db/schema/triage.js';
import type { CategoryView } from '../../../pipeline/triage/taxonomy.js';
import { Layout, NoticeBox, type PageNotice } from '../layout.js';

const originLabel: Record<CategoryView['origin'], string> = {
  starter: 'starter',
  imported: 'learned from your data',
  created: 'created here',
};

const CategoryFields: FC<{ category?: CategoryView; disabled: boolean }> = ({
  category,
  disabled,
}) => (
  <>
    <label>
      Description
      <input
        name="description"
        value={category?.description ?? ''}
        maxlength={2000}
        disabled={disabled}
      />
    </label>
    <label>
      Default priority
      <select name="defaultPriority" disabled={disabled}>
        {priorities.map((p) => (
          <option value={p} selected={(category?.defaultPriority ?? 'normal') === p}>
            {p}
          </option>
        ))}
      </select>
    </label>
    <label>
      Examples (one per line; the classifier learns from them)
      <textarea name="examples" rows={5} disabled={disabled}>
        {(category?.examples ?? []).join('\n')}
      </textarea>
    </label>
    <label class="check">
      <input
        type="checkbox"
        name="active"
        value="yes"
        checked={category ? category.active : true}
        disabled={disabled}
      />{' '}
      Active (predicted and offered to agents)
    </label>
  </>
);

/** /app/admin/taxonomy: every category, whatever its origin, editable by admins. */
export const TaxonomyPage: FC<{
  user: SessionPrincipal;
  categories: CategoryView[];
  notice: PageNotice | null;
}> = ({ user, categories, notice }) => {
  const canEdit = user.role === 'admin';
  const hasImported = categories.some((c) => c.origin === 'imported');
  const activeStarter = categories.filter((c) => c.origin === 'starter' && c.active);
  return (
    <Layout title="Taxonomy" user={user} active="taxonomy">
      <div class="admin-page">
        <h1>Taxonomy</h1>
        <p class="muted">
          The categories triage predicts and routing rules match on. Switching a category off or
          changing its examples retrains the classifier.
          {canEdit ? '' : ' Only admins can change them.'}
        </p>
        <NoticeBox notice={notice} />
        {canEdit && hasImported && activeStarter.length > 0 ? (
          <form method="post" action="/app/admin/taxonomy/retire-starter" class="warn-box">
            <input type="hidden" name="_csrf" value={user.csrfToken} />
            <p>
              You imported your own labelled data, but {activeStarter.length} starter categories are
              still active ({activeStarter.map((c) => c.name).join(', ')}).
            </p>
            <button type="submit">Retire the starter categories your data does not use</button>
          </form>
        ) : null}
        <ul class="categories" data-testid="categories">
          {categories.map((c) => (
            <li class={c.active ? 'category' : 'category inactive'}>
              <details>
                <summary>
                  <strong>{c.name}</strong> <span class="badge">{originLabel[c.origin]}</span>{' '}
                  {c.active ? null : <span class="badge warn">inactive</span>}{' '}
                  <span class="muted">
                    {c.examples.length} examples · {c.defaultPriority}
                  </span>
                </summary>
                <form method="post" action="/app/admin/taxonomy" class="stack">
                  <input type="hidden" name="_csrf" value={user.csrfToken} />
                  <input type="hidden" name="name" value={c.name} />
                  <CategoryFields category={c} disabled={!canEdit} />
                  {canEdit ? <button type="submit">Save {c.name}</button> : null}
                </form>
              </details>
            </li>
          ))}
        </ul>
        {canEdit ? (
          <section aria-label="New category">
            <h2>New category</h2>
            <form method="post" action="/app/admin/taxonomy" class="stack">
              <input type="hidden" name="_csrf" value={user.csrfToken} />
              <label>
                Name
                <input name="name" required maxlength={100} />
              </label>
              <CategoryFields disabled={false} />
              <button type="submit">Add category</button>
            </form>
          </section>
        ) : null}
      </div>
    </Layout>
  );
};
