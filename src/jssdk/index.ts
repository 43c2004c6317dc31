/** The JS-SDK's public face: `/jssdk/config` (wx.config signatures). */
export { jssdkRoutes } from "./route";
