import type { FunctionComponent } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { useI18n } from '../i18n/i18n-context.js';

/**
 * A page loaded on demand (its own chunk), so the sign-in route's JS stays small: consent, device,
 * account, sign-up and forgot-password are `import()`ed when first shown. Preact's `lazy` lives in
 * preact/compat, which would cost more than this.
 */
export function lazyPage<P extends object>(load: () => Promise<FunctionComponent<P>>): FunctionComponent<P> {
  let loaded: FunctionComponent<P> | undefined;
  return function LazyPage(props: P) {
    const { t } = useI18n();
    const [Page, setPage] = useState<FunctionComponent<P> | undefined>(() => loaded);
    const [failed, setFailed] = useState(false);
    useEffect(() => {
      if (Page) return;
      let live = true;
      load().then(
        (component) => {
          loaded = component;
          if (live) setPage(() => component);
        },
        () => live && setFailed(true),
      );
      return () => {
        live = false;
      };
    }, [Page]);
    if (failed) {
      return (
        <p class="alert" role="alert">
          {t('err.unreachable')}
        </p>
      );
    }
    return Page ? <Page {...props} /> : <p class="loading">{t('common.loading')}</p>;
  };
}
