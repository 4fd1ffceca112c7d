/** Version of the SDK; goes into artifacts and reports. Kept equal to package.json's. */
export const SDK_VERSION = "0.1.0";
