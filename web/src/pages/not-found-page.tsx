/** Any other path: say so, and offer the way back. */
import { PageHeading } from '../components/page-heading.js';
import { t } from '../i18n/i18n.js';
import { Link } from '../router.js';

export function NotFoundPage() {
  return (
    <div class="card">
      <header class="card-header">
        <PageHeading title={t('common.notFound.title')}>{t('common.notFound.title')}</PageHeading>
        <p class="lead">{t('common.notFound.lead')}</p>
      </header>
      <Link class="button button-primary" href="/">
        {t('common.notFound.toSignIn')}
      </Link>
    </div>
  );
}
