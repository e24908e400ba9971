/**
 * The product name as users see it in mail. Kept in this one place so a rename touches a
 * single line.
 */
export const PRODUCT_NAME = 'Sesame';
